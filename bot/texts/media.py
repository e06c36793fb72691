"""What the user is told when a picture cannot be taken (shared by every feature)."""

from __future__ import annotations

IMAGE_TOO_LARGE = "图片太大了（像素过多），请截图或压缩后再发送。"
FILE_TOO_LARGE = "文件太大了（超过 20 MB），请压缩后再发送，或直接用“照片”方式发送。"
NOT_AN_IMAGE = "这不是图片，无法识别。请发送照片（JPG/PNG）。"
HEIC_NOT_SUPPORTED = (
    "暂不支持 HEIC 格式的图片文件。请用“照片”方式发送（会自动转成 JPG），或先转成 JPG/PNG。"
)
IMAGE_CORRUPT = "图片文件已损坏或不完整，请重新发送。"
NOT_A_PHOTO_DOCUMENT = "请发送照片或图片文件，不支持 PDF 等其他文件。"
NO_PHOTO = "没有收到照片，请发送一张照片。"
DOWNLOAD_FAILED = "照片下载失败，请稍后重新发送。"
