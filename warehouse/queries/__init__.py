"""Read-only SQL the ML code needs, as functions: `ml/` asks for rows, it never writes SQL."""
