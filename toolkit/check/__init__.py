"""The 勾稽关系 rules of FORMAT.md §5 on Submissions: each rule a small function that yields findings."""
