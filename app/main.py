"""The Chainlit entry point of the NeuroLake chat (``neurolake chat`` runs it).

This module only wires Chainlit's callbacks to ``app.chat.ChatHandlers``; the runtime it
builds (settings, platform, conversation service) is the chat process's composition root.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import chainlit as cl
from chainlit.server import app as server_app
from chainlit.types import Feedback, ThreadDict

from app import auth
from app.chat import ASK_ACTION, CLARIFY_ACTION, CLARIFY_OTHER_ACTION, RESET_ACTION, ChatHandlers
from app.persistence import CatalogDataLayer
from app.routes import add_routes
from app.runtime import ChatRuntime

log = logging.getLogger("neurolake.chat")

runtime = ChatRuntime()
handlers = ChatHandlers(runtime)
auth.export_session_secret(runtime.settings)
add_routes(server_app, lambda: runtime.data_layer, runtime.ready, lambda: runtime.models.status)


@cl.data_layer
def data_layer() -> CatalogDataLayer:
    """Threads, messages and feedback live in the catalog database."""
    return runtime.data_layer


if auth.password_required(runtime.settings):

    @cl.password_auth_callback
    async def login(username: str, password: str) -> cl.User | None:
        found = await asyncio.to_thread(
            auth.signed_in_user, runtime.settings, runtime.platform.catalog, username, password
        )
        return cl.User(identifier=found[0], metadata={"role": found[1]}) if found else None

else:

    @cl.header_auth_callback
    async def open_login(_headers: Any) -> cl.User:
        # No password configured: everyone is the local user, whose threads are saved.
        return cl.User(identifier=auth.OPEN_USER, metadata={"role": "open"})


@cl.on_app_startup
async def warm_up() -> None:
    """Open the catalog's chat tables now, and build the conversation service in the background:
    the page opens at once; ``/neurolake/ready`` answers 200 once questions are answered, and
    the embedding model goes on loading behind (its ``"models"`` says when it is done)."""
    await asyncio.to_thread(lambda: runtime.data_layer)  # Chainlit asks for it synchronously later

    def build() -> None:
        try:
            runtime.warm_up()
        except Exception:
            log.exception("warming up the conversation service failed")

    asyncio.get_running_loop().run_in_executor(None, build)


@cl.on_app_shutdown
async def shut_down() -> None:
    await asyncio.to_thread(runtime.close)


@cl.on_chat_start
async def start() -> None:
    await handlers.start()


@cl.on_chat_resume
async def resume(thread: ThreadDict) -> None:
    await handlers.resume(thread)


@cl.on_message
async def message(message: cl.Message) -> None:
    await handlers.message(message)


@cl.action_callback(ASK_ACTION)
async def question_clicked(action: cl.Action) -> None:
    await handlers.question_clicked(action)


@cl.action_callback(CLARIFY_ACTION)
async def clarification_picked(action: cl.Action) -> None:
    await handlers.clarification_picked(action)


@cl.action_callback(CLARIFY_OTHER_ACTION)
async def something_else(action: cl.Action) -> None:
    await handlers.something_else(action)


@cl.action_callback(RESET_ACTION)
async def reset_context(action: cl.Action) -> None:
    await handlers.reset_context(action)


@cl.on_settings_update
async def settings_updated(values: dict[str, Any]) -> None:
    await handlers.settings_updated(values)


@cl.on_feedback
async def feedback(feedback: Feedback) -> None:
    await handlers.feedback(feedback)
