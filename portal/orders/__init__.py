"""Orders: booking, matching, the lifecycle, photos and feedback (the critical path)."""
