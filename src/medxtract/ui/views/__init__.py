"""One module per page; each exposes `render(client)` and plain helper functions.

Not named `pages/`: Streamlit would treat a folder of that name beside app.py as its
old-style multipage app and run the modules as scripts.
"""
