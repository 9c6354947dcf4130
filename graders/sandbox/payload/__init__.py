"""Code that runs inside the sandbox: the slot worker, the test driver and what they share.

Standard library only, relative imports only: the host imports these modules as
``graders.sandbox.payload`` (for the shared framing and value codec) and the sandbox mounts this
directory read-only and imports it as ``payload`` under its own Python, which has none of the
host's packages.
"""
