"""What the upstream sends towards the client: notifications, and sampling and elicitation requests.

Over stdio a wrapper serves one client, so the session of the client's most
recent request is where these go. Progress is relayed per call (see
``proxy``); everything else comes through here. The upstream is always told
that sampling and elicitation are supported (it is started before any client
connects); when the client lacks one, the upstream gets an error saying so.
"""

from __future__ import annotations

import logging
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError

log = logging.getLogger(__name__)


class Downstream:
    """The client side of the wrapper, as far as the upstream's notifications need it."""

    def __init__(self) -> None:
        self.session: Any = None

    def seen(self, ctx: Any) -> None:
        """Remember the session of a request the client just made."""
        self.session = ctx.session

    async def log_message(self, params: types.LoggingMessageNotificationParams) -> None:
        """Relay a log message of the upstream."""
        if self.session is not None:
            await self.session.send_log_message(params.level, params.data, params.logger)

    async def message(self, message: Any) -> None:
        """Relay list-changed and resource-updated notifications of the upstream."""
        session = self.session
        if session is None or isinstance(message, Exception):
            return
        try:
            if isinstance(message, types.ToolListChangedNotification):
                await session.send_tool_list_changed()
            elif isinstance(message, types.ResourceListChangedNotification):
                await session.send_resource_list_changed()
            elif isinstance(message, types.PromptListChangedNotification):
                await session.send_prompt_list_changed()
            elif isinstance(message, types.ResourceUpdatedNotification):
                await session.send_resource_updated(message.params.uri)
        except Exception as exc:  # a client that went away must not break the upstream's reader
            log.debug("could not relay %s: %s", type(message).__name__, exc)

    async def sample(self, context: Any, params: types.CreateMessageRequestParams) -> Any:
        """Relay the upstream's sampling request to the client."""
        return await self._ask("sampling", types.CreateMessageRequest(params=_fresh(params)), types.CreateMessageResult)

    async def elicit(self, context: Any, params: Any) -> Any:
        """Relay the upstream's elicitation request to the client."""
        return await self._ask("elicitation", types.ElicitRequest(params=_fresh(params)), types.ElicitResult)

    async def _ask(self, capability: str, request: Any, result_type: type) -> Any:
        session = self.session
        capabilities = session.client_capabilities if session is not None else None
        if capabilities is None or getattr(capabilities, capability, None) is None:
            return types.ErrorData(
                code=types.INVALID_REQUEST,
                message=f"the client connected through headroom-mcp does not support {capability}",
            )
        try:
            return await session.send_request(request, result_type)
        except MCPError as exc:
            return exc.error


def _fresh(params: Any) -> Any:
    """``params`` without the upstream's ``_meta`` envelope, which belongs to the other connection."""
    return type(params).model_validate(params.model_dump(exclude={"meta"}, by_alias=True, exclude_none=True))
