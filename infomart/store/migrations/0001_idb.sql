-- The Interaction Database (IDB) tables of the ICON stage, and the control
-- tables both stages share.

-- Surrogate key allocation: one row per sequence (store.Keys).
CREATE TABLE ORCA_KEY_SEQUENCE (
    NAME     varchar(64) NOT NULL PRIMARY KEY,
    NEXT_KEY bigint      NOT NULL
);

INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('AUDIT', 1);
INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('EVENT', 1);
INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('G_CUSTOM_DATA_S', 1);
INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('G_USERDATA_HISTORY', 1);

-- One row per job run (an ingest batch, a transform batch): the audit keys
-- that DS_AUDIT_KEY and CREATE_AUDIT_KEY refer to.
CREATE TABLE CTL_AUDIT_LOG (
    AUDIT_KEY  numeric(19)  NOT NULL PRIMARY KEY,
    JOB_NAME   varchar(64)  NOT NULL,
    CREATED    timestamp    NOT NULL,
    CREATED_TS integer      NOT NULL
);

-- Every message taken from the bus, once: MSG_ID is the reporting
-- stream's de-duplication id. A redelivered message finds its id here and
-- is skipped. STATE: 0 waits for the transform, 1 made a CALLBACK_FACT
-- row, 2 was rejected (ORCA_REJECTION), 3 is no callback event, 4 needs no
-- transform (attached data).
CREATE TABLE ORCA_EVENT (
    ID           bigint       NOT NULL PRIMARY KEY,
    MSG_ID       varchar(255) NOT NULL,
    EVENT_NAME   varchar(64)  NOT NULL,
    SWITCH_NAME  varchar(255),
    THIS_DN      varchar(255),
    CONN_ID      varchar(64),
    CALL_ID      varchar(64),
    CUSTOMER_ID  varchar(255),
    EVENT_SEQ    bigint,
    EVENT_TS     integer      NOT NULL,
    EVENT_USEC   integer      NOT NULL,
    RECEIVED_TS  integer      NOT NULL,
    DS_AUDIT_KEY numeric(19)  NOT NULL,
    FIRST_ROW_ID numeric(19),
    ROW_COUNT    integer      NOT NULL,
    STATE        integer      NOT NULL
);

CREATE UNIQUE INDEX ORCA_EVENT_MSG_ID ON ORCA_EVENT (MSG_ID);
CREATE INDEX ORCA_EVENT_STATE ON ORCA_EVENT (STATE, ID);

-- The KVPs of EventUserEvent, one row each (ICON custom-states,
-- store-event-data=all). GSYS_EXT_VCH1 keeps the bus message id,
-- GSYS_EXT_VCH2 the ConnID the event names.
CREATE TABLE G_CUSTOM_DATA_S (
    ID             numeric(19)  NOT NULL PRIMARY KEY,
    CALLID         varchar(50),
    PARTYID        varchar(50),
    PSEQ           integer      NOT NULL,
    ENDPOINTID     integer,
    ENDPOINTDN     varchar(255),
    AGENTID        integer,
    SWITCHID       integer,
    TENANTID       integer,
    CHANGETYPE     integer      NOT NULL,
    KEYNAME        varchar(64)  NOT NULL,
    VALUE          varchar(255),
    ADDED          timestamp    NOT NULL,
    ADDED_TS       integer      NOT NULL,
    GSYS_DOMAIN    integer,
    GSYS_PARTITION integer,
    GSYS_SYS_ID    integer,
    GSYS_EXT_VCH1  varchar(255),
    GSYS_EXT_VCH2  varchar(255),
    GSYS_EXT_INT1  integer,
    GSYS_EXT_INT2  integer
);

CREATE INDEX G_CUSTOM_DATA_S_KEY ON G_CUSTOM_DATA_S (KEYNAME, VALUE);

-- The changes of call-attached data (EventAttachedDataChanged), one row
-- per key added, changed or deleted, for the keys of the attached-data
-- specification.
CREATE TABLE G_USERDATA_HISTORY (
    ID             numeric(19)  NOT NULL PRIMARY KEY,
    CALLID         varchar(50)  NOT NULL,
    PARTYID        varchar(50),
    PSEQ           integer      NOT NULL,
    ENDPOINTID     integer,
    ENDPOINTDN     varchar(255),
    AGENTID        integer,
    SWITCHID       integer,
    TENANTID       integer,
    CHANGETYPE     integer      NOT NULL,
    KEYNAME        varchar(64)  NOT NULL,
    VALUE          varchar(255),
    ADDED          timestamp    NOT NULL,
    ADDED_TS       integer      NOT NULL,
    GSYS_DOMAIN    integer,
    GSYS_PARTITION integer,
    GSYS_SYS_ID    integer,
    GSYS_EXT_VCH1  varchar(255),
    GSYS_EXT_VCH2  varchar(255),
    GSYS_EXT_INT1  integer,
    GSYS_EXT_INT2  integer
);

CREATE INDEX G_USERDATA_HISTORY_CALL ON G_USERDATA_HISTORY (CALLID, KEYNAME, ID);
CREATE INDEX G_USERDATA_HISTORY_KEY ON G_USERDATA_HISTORY (KEYNAME, VALUE);
