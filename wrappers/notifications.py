"""Notifications from the upstream, passed on to the client.

Over stdio a wrapper serves one client, so the session of the client's most
recent request is where the upstream's notifications go. Progress is relayed
per call (see ``proxy``); everything else comes through here.
"""

from __future__ import annotations

import logging
from typing import Any

import mcp_types as types

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
