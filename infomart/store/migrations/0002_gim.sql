-- The Genesys Info Mart tables of the transform stage: CALLBACK_FACT, its
-- callback dimensions, the TENANT, RESOURCE_ and DATE_TIME dimensions it
-- refers to, and the rejections.

INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('TENANT', 1);
INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('RESOURCE_', 1);
INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('CALLBACK_DIM_1', 1);
INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('CALLBACK_DIM_2', 1);
INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('CALLBACK_DIM_3', 1);
INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('CALLBACK_DIM_4', 1);
INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('CALLBACK_DIAL_RESULTS', 1);
INSERT INTO ORCA_KEY_SEQUENCE (NAME, NEXT_KEY) VALUES ('ORCA_REJECTION', 1);

CREATE TABLE TENANT (
    TENANT_KEY       integer      NOT NULL PRIMARY KEY,
    TENANT_NAME      varchar(255) NOT NULL,
    TENANT_CFG_DBID  integer      NOT NULL,
    CREATE_AUDIT_KEY numeric(19)  NOT NULL
);

CREATE UNIQUE INDEX TENANT_CFG ON TENANT (TENANT_CFG_DBID);

CREATE TABLE RESOURCE_ (
    RESOURCE_KEY         integer      NOT NULL PRIMARY KEY,
    TENANT_KEY           integer      NOT NULL,
    RESOURCE_TYPE        varchar(255) NOT NULL,
    RESOURCE_TYPE_CODE   varchar(32)  NOT NULL,
    RESOURCE_SUBTYPE     varchar(255) NOT NULL,
    RESOURCE_NAME        varchar(255) NOT NULL,
    RESOURCE_CFG_DBID    integer      NOT NULL,
    RESOURCE_CFG_TYPE_ID integer      NOT NULL,
    CREATE_AUDIT_KEY     numeric(19)  NOT NULL
);

CREATE UNIQUE INDEX RESOURCE_CFG ON RESOURCE_ (TENANT_KEY, RESOURCE_CFG_TYPE_ID, RESOURCE_CFG_DBID, RESOURCE_NAME);

-- DATE_TIME_KEY is the UTC time, in seconds, of the start of a 15-minute
-- interval; the labels are in the time zone of the transform.
CREATE TABLE DATE_TIME (
    DATE_TIME_KEY          integer     NOT NULL PRIMARY KEY,
    LABEL_YYYY_MM_DD       varchar(32) NOT NULL,
    LABEL_HH24             varchar(8)  NOT NULL,
    LABEL_YYYY_MM_DD_HH24  varchar(32) NOT NULL,
    CREATE_AUDIT_KEY       numeric(19) NOT NULL
);

CREATE TABLE CALLBACK_DIM_1 (
    ID                  integer      NOT NULL PRIMARY KEY,
    CHANNEL             varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    CALLBACK_OFFER_TYPE varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    CALLBACK_TYPE       varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    CONNECT_ORDER       varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    CREATE_AUDIT_KEY    numeric(19)  NOT NULL
);

CREATE UNIQUE INDEX CALLBACK_DIM_1_ATTR ON CALLBACK_DIM_1 (CHANNEL, CALLBACK_OFFER_TYPE, CALLBACK_TYPE, CONNECT_ORDER);

CREATE TABLE CALLBACK_DIM_2 (
    ID                 integer      NOT NULL PRIMARY KEY,
    CREATE_AUDIT_KEY   numeric(19)  NOT NULL,
    DIAL_DIALOG_RESULT varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    CALL_DIRECTION     varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    FINAL_DIAL_RESULT  varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    OFFER_TIMING       varchar(255) NOT NULL DEFAULT 'UNKNOWN'
);

CREATE UNIQUE INDEX CALLBACK_DIM_2_ATTR ON CALLBACK_DIM_2 (DIAL_DIALOG_RESULT, CALL_DIRECTION, FINAL_DIAL_RESULT, OFFER_TIMING);

CREATE TABLE CALLBACK_DIM_3 (
    ID               integer      NOT NULL PRIMARY KEY,
    CREATE_AUDIT_KEY numeric(19)  NOT NULL,
    DISPOSITION      varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    FINAL_TARGET     varchar(255) NOT NULL DEFAULT 'UNKNOWN'
);

CREATE UNIQUE INDEX CALLBACK_DIM_3_ATTR ON CALLBACK_DIM_3 (DISPOSITION, FINAL_TARGET);

CREATE TABLE CALLBACK_DIM_4 (
    ID                         integer     NOT NULL PRIMARY KEY,
    CREATE_AUDIT_KEY           numeric(19) NOT NULL,
    ABANDONED_DURING_CB_OFFER  integer     NOT NULL DEFAULT 0,
    DIAL_IGNORING_AVAILABILITY integer     NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX CALLBACK_DIM_4_ATTR ON CALLBACK_DIM_4 (ABANDONED_DURING_CB_OFFER, DIAL_IGNORING_AVAILABILITY);

CREATE TABLE CALLBACK_DIAL_RESULTS (
    ID               integer      NOT NULL PRIMARY KEY,
    CREATE_AUDIT_KEY numeric(19)  NOT NULL,
    DIAL_1_RESULT    varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    DIAL_2_RESULT    varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    DIAL_3_RESULT    varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    DIAL_4_RESULT    varchar(255) NOT NULL DEFAULT 'UNKNOWN',
    DIAL_5_RESULT    varchar(255) NOT NULL DEFAULT 'UNKNOWN'
);

CREATE UNIQUE INDEX CALLBACK_DIAL_RESULTS_ATTR ON CALLBACK_DIAL_RESULTS (DIAL_1_RESULT, DIAL_2_RESULT, DIAL_3_RESULT, DIAL_4_RESULT, DIAL_5_RESULT);

-- One row per callback UserEvent, inserted and never updated.
CREATE TABLE CALLBACK_FACT (
    ADDED_TS                       integer      NOT NULL,
    DS_AUDIT_KEY                   numeric(19)  NOT NULL,
    EVENT_SEQUENCE                 integer      NOT NULL,
    CREATE_AUDIT_KEY               numeric(19)  NOT NULL,
    UPDATE_AUDIT_KEY               numeric(19)  NOT NULL,
    TENANT_KEY                     integer      NOT NULL DEFAULT -1,
    SERVICE_ID                     varchar(255) NOT NULL,
    FINAL_RECORD                   integer      NOT NULL DEFAULT 0,
    EWT_READY_TO_START_IXN         integer      NOT NULL DEFAULT 0,
    EWT_WHEN_OFFERED               integer      NOT NULL DEFAULT 0,
    POS_READY_TO_START_IXN         integer      NOT NULL DEFAULT 0,
    POS_WHEN_OFFERED               integer      NOT NULL DEFAULT 0,
    CALLBACK_OFFER_TIME            integer      NOT NULL,
    WAIT_AGENT_OFFLINE_TIME        integer      NOT NULL DEFAULT 0,
    ESTABLISH_MEDIA_IXN_TIME       integer      NOT NULL DEFAULT 0,
    CONN_WAITING_AGENT_TIME        integer      NOT NULL DEFAULT 0,
    CALLBACK_ACCEPTED_TS           integer      NOT NULL DEFAULT 0,
    CALLBACK_OFFERED_TS            integer      NOT NULL,
    READY_START_MEDIA_IXN_TS       integer      NOT NULL DEFAULT 0,
    CUSTOMER_CONNECTED_TS          integer      NOT NULL DEFAULT 0,
    AGENT_ADDED_TO_IXN             integer      NOT NULL DEFAULT 0,
    XFER_TO_AGENT_FAILED           integer      NOT NULL DEFAULT 0,
    ABANDONED_WAITING              integer      NOT NULL DEFAULT 0,
    TIMEOUT_WAITING                integer      NOT NULL DEFAULT 0,
    IXN_REQ_AGENT                  integer      NOT NULL DEFAULT 0,
    CALLBACK_OFFERED               integer      NOT NULL,
    CALLBACK_ACCEPTED              integer      NOT NULL DEFAULT 0,
    CALLBACK_ATTEMPTS              integer      NOT NULL DEFAULT 0,
    SERVICE_START_TS               integer      NOT NULL,
    START_DATE_TIME_KEY            integer      NOT NULL,
    RESOURCE_KEY                   integer      NOT NULL DEFAULT -1,
    CALLBACK_DIM_1_KEY             integer      NOT NULL,
    CALLBACK_DIM_2_KEY             integer      NOT NULL,
    CALLBACK_DIM_3_KEY             integer      NOT NULL,
    CALLBACK_DIM_4_KEY             integer      NOT NULL,
    CALLBACK_DIAL_RESULTS_KEY      integer      NOT NULL,
    DESIRED_TIME_TS                integer      NOT NULL DEFAULT 0,
    PUSH_DELIVERY_CONFIRMED_TS     integer      NOT NULL DEFAULT 0,
    CUSTOMER_READY_TO_START_IXN_TS integer      NOT NULL DEFAULT 0,
    SERVICE_END_TS                 integer      NOT NULL DEFAULT 0,
    WAITED_BEFORE_OFFER_TIME       integer      NOT NULL DEFAULT 0,
    EWT_WHEN_REJECTED              integer      NOT NULL DEFAULT 0,
    CUSTOMER_ANI                   varchar(255),
    ORIGINATION_IXN_ID             varchar(255),
    FIRST_OUT_IXN_ID               varchar(255),
    LAST_OUT_IXN_ID                varchar(255),
    DIAL_1_TS                      integer      NOT NULL DEFAULT 0,
    DIAL_2_TS                      integer      NOT NULL DEFAULT 0,
    DIAL_3_TS                      integer      NOT NULL DEFAULT 0,
    DIAL_4_TS                      integer      NOT NULL DEFAULT 0,
    DIAL_5_TS                      integer      NOT NULL DEFAULT 0,
    ORS_SESSION_ID                 varchar(255),
    EWT_WHEN_LAST_DIAL             integer      NOT NULL DEFAULT 0,
    POS_WHEN_LAST_DIAL             integer      NOT NULL DEFAULT 0,
    PRIORITY_WHEN_CB_ACCEPTED      integer      NOT NULL DEFAULT 0,
    PRIORITY_WHEN_C_CONNECTED      integer      NOT NULL DEFAULT 0,
    PRIORITY_WHEN_A_CONNECTED      integer      NOT NULL DEFAULT 0,
    EWT_THRESHOLD_WHEN_OFFERED     integer      NOT NULL DEFAULT 0,
    PRIMARY KEY (ADDED_TS, DS_AUDIT_KEY, EVENT_SEQUENCE)
);

CREATE UNIQUE INDEX CALLBACK_FACT_EVENT ON CALLBACK_FACT (EVENT_SEQUENCE);
CREATE INDEX CALLBACK_FACT_START ON CALLBACK_FACT (START_DATE_TIME_KEY, FINAL_RECORD);
CREATE INDEX CALLBACK_FACT_SERVICE ON CALLBACK_FACT (SERVICE_ID);

-- UserEvents the transform made no row of (SCOPE EVENT), and KVPs whose
-- value it could not take and replaced by the column's default (SCOPE
-- KVP), each with the reason.
CREATE TABLE ORCA_REJECTION (
    ID               bigint        NOT NULL PRIMARY KEY,
    EVENT_ID         bigint        NOT NULL,
    MSG_ID           varchar(255)  NOT NULL,
    SERVICE_ID       varchar(255),
    FINAL_RECORD     integer,
    ADDED_TS         integer       NOT NULL,
    SCOPE            varchar(16)   NOT NULL,
    KEYNAME          varchar(64),
    VALUE            varchar(255),
    REASON           varchar(1024) NOT NULL,
    CREATE_AUDIT_KEY numeric(19)   NOT NULL
);

CREATE INDEX ORCA_REJECTION_EVENT ON ORCA_REJECTION (EVENT_ID);
