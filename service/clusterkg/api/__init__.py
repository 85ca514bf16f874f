"""The HTTP service: a thin FastAPI app made of one router per concern."""
