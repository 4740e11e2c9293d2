"""Project commands (``COMMANDS_MODULE``): ``crawl`` with exit codes schedulers can alert on."""
