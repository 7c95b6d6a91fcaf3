"""Operations (运维): backup and restore of the database with the keys beside it (docs/operations.md)."""
