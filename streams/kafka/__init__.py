"""The Kafka plumbing the deployables share: the Faust app and its adapter, topics, security,
the batch intake, producing, dead letters and offsets."""
