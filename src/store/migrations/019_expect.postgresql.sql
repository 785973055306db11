-- Issue 11, rd_sql_expect inside a pipeline (src/store/store.h): the check a client would
-- otherwise wait for (a reference names a record of the account) is made by the server, and
-- a failed one fails the statement, which breaks the pipeline; the caller then repeats its
-- work without pipelining and gets the real answer.
CREATE FUNCTION rd_expect(ok boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION 'an expected row is missing' USING ERRCODE = 'RD001';
  END IF;
  RETURN true;
END $$;
