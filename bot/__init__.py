"""后勤助手: the application package (config, wiring, domain rules, texts)."""
