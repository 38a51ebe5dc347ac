"""Tests for the HA-free Ring Partner API client."""
