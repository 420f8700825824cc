"""Typed modal screens: each dismisses with the value it was asked for."""
