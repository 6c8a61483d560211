"""Lambda-style handlers for the hello_world example."""


def greet(event, context):
    return f"Hello, {event.get('name', 'world')}"
