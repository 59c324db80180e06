SELECT count(DISTINCT stream_id) FROM (
    SELECT stream_id FROM (
        SELECT stream_id, stream_type, version, first_position, last_position FROM temp.derived_streams
        EXCEPT
        SELECT stream_id, stream_type, version, first_position, last_position FROM main.streams
    )
    UNION ALL
    SELECT stream_id FROM (
        SELECT stream_id, stream_type, version, first_position, last_position FROM main.streams
        EXCEPT
        SELECT stream_id, stream_type, version, first_position, last_position FROM temp.derived_streams
    )
)
