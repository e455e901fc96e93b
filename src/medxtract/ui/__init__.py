"""The Streamlit review UI (`medxtract ui`): talks to the service only over HTTP."""
