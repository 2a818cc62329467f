"""What the service is configured with: typed settings, business hours, and the files people edit
(system messages, canned responses) or share with the bot (the handoff reasons)."""
