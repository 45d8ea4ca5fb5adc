"""ROS plumbing shared by all promptbot nodes (imports rclpy; keep logic elsewhere)."""
