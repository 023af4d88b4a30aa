"""Many units -> one county: every file examined as `check` does, decided on, and summed exactly."""
