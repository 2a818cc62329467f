"""What the service does, over the stores and the fan-out: the desk (changes of owner), the bot
bridge and its HTTP client, signing agents in."""
