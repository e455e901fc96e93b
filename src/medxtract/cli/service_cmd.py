"""Commands: placeholder until filled in."""
