"""The daily partitions, the job and its schedule."""
