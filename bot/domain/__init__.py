"""Framework-free rules. Plain dataclasses in and out; no telegram import here."""
