"""Request/response models: XCreate / XUpdate / XPublic / XsPublic per resource, camelCase on the wire."""
