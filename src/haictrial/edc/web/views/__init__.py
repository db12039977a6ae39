"""Page views: authorise -> parse -> call a service -> render."""
