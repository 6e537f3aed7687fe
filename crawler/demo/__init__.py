"""The offline demo: a generated Arabic news site served on 127.0.0.1 (``rasd demo``)."""
