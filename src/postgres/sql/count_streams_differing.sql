SELECT count(DISTINCT stream_id) FROM (
    (SELECT stream_id, stream_type, version, first_position, last_position FROM derived_streams
     EXCEPT
     SELECT stream_id, stream_type, version, first_position, last_position FROM streams)
    UNION ALL
    (SELECT stream_id, stream_type, version, first_position, last_position FROM streams
     EXCEPT
     SELECT stream_id, stream_type, version, first_position, last_position FROM derived_streams)
) AS differing
