"""Pictures the bot makes or accepts: photo normalisation, the CJK font, table images.

Everything here is CPU work; call the ``*_async`` variants from handlers and jobs so the
event loop keeps serving other chats while an image is decoded or drawn.
"""
