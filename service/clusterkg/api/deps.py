"""Dependencies shared by the routers: the settings and the query executor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..config import Settings
from ..executor import QueryExecutor


def get_executor(request: Request) -> QueryExecutor:
    """The app's one executor, created at start-up."""
    return request.app.state.executor


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


ExecutorDep = Annotated[QueryExecutor, Depends(get_executor)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
