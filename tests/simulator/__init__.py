"""Tests for the Ring cloud simulator."""
