"""Tests of the HTTP service; a package so the tests can share helpers from conftest."""
