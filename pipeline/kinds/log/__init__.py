"""Build, test and application logs: failures and their tracebacks kept, the rest folded into counted templates."""
