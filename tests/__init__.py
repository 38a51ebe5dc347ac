"""Tests for the Ring Partner integration."""
