"""SQLite storage: connection, migrations, repositories. No telegram import here."""
