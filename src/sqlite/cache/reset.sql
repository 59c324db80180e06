DELETE FROM cache_frames;
DELETE FROM cache_header;
DELETE FROM cache_head;
DELETE FROM cache_sums;
