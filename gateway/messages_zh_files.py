"""The Chinese of the error messages about files (evidence uploads) and notices
(reminders): part of gateway.messages_zh's catalogue, kept apart to keep each file small."""

FILES_AND_NOTICES = {
    # evidence files ------------------------------------------------------------------
    "this file has no thumbnail (it is not a photo)": "该文件没有缩略图（不是照片）",
    "the file's bytes are missing from the store": "文件内容在存储中缺失",
    "evidence file %s not found": "未找到佐证文件 %s",
    "the multipart body cannot be read (%s)": "无法读取 multipart 请求体（%s）",
    "send exactly one file part named file": "请只发送一个名为 file 的文件部分",
    "unknown field: send one part named file": "未知字段：请只发送一个名为 file 的文件部分",
    "the file is empty": "文件为空",
    "not a JPEG, PNG, WebP or PDF file": "不是 JPEG、PNG、WebP 或 PDF 文件",
    "only JPEG, PNG and WebP photos and PDF files are taken":
        "只接受 JPEG、PNG、WebP 格式的照片和 PDF 文件",
    "a file may be at most %d MiB": "单个文件最大 %d MiB",
    "must be multipart/form-data": "必须是 multipart/form-data",
    "send the file as multipart/form-data with one part named file":
        "请以 multipart/form-data 方式上传，文件部分命名为 file",
    "give either url or evidence_id": "请提供 url 或 evidence_id 之一（不能同时提供）",
    "the same file is named twice": "同一文件被重复列出",
    "no uploaded file of yours has this id": "您上传的文件中没有这个编号",
    "already filed with activity %d: upload it again to file it with this one too":
        "该文件已用于活动 %d：如需用于本活动，请重新上传",
    "a file was filed with another activity at the same time: upload it again":
        "该文件同时被另一项活动使用：请重新上传",
    "the upload is not in the store": "上传的文件不在存储中",
    "the upload was not found: upload it again": "未找到上传的文件：请重新上传",
    "the upload changed in the store": "存储中的上传文件已变化",
    "the stored upload does not match: upload it again": "存储的上传文件与原文件不一致：请重新上传",
    "the file cannot be kept": "文件无法保存",
    "no such file": "没有这个文件",
    "evidence files cannot be attached": "佐证文件无法附加到活动",
    "not a file type that is kept": "不是可保存的文件类型",
    "the PDF is incomplete (its end is missing): upload it again":
        "PDF 文件不完整（缺少文件结尾）：请重新上传",
    "the image cannot be read (%s)": "无法读取该图片（%s）",
    "the image is not the type its bytes begin as": "图片内容与其文件头表明的类型不符",
    "the image has more than %d million pixels": "图片超过 %d 百万像素",
    "the image is incomplete or damaged (%s)": "图片不完整或已损坏（%s）",
    "the JPEG's header is damaged": "JPEG 文件头已损坏",
    "not a JPEG": "不是 JPEG 文件",
    "a county reviewer reminds only its own county's unions": "县区审核员只能提醒本县区的工会",
    "no grassroots union of %s has these ids: %s": "%s没有编号为以下的基层工会：%s",
}
