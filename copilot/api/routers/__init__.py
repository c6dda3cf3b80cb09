"""One router per surface: health, metrics, tokens, chat, conversations, consents, data, actions, assist,
kb, pages."""
