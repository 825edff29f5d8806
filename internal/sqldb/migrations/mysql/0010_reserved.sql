-- Reserved: migration 0010 belongs to another branch. This placeholder only
-- keeps the numbers contiguous on the listidx branch; drop it when merging.
SELECT 1;
