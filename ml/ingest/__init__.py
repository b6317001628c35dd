"""Turning raw inbox bytes into clean text: MIME messages (mime.py), attachments and resumes (documents.py)."""
