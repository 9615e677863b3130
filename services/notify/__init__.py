"""Notify: audiences, templates (zh-CN first), the in-app inbox and deliveries."""
