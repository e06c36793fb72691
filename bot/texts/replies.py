NOT_A_NOTIFICATION = "这条消息不是待处理的通知，回复它不会有任何操作。"
