"""JSON documents and JSON Lines: arrays of records shown by statistical row selection, the rest summarised."""
