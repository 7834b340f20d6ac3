"""Models: client segmentation and scoring, and call transcription."""
