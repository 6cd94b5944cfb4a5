"""Sharing requests and their approval workflow."""
