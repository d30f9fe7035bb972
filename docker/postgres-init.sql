-- One database per app (each app keeps its own event store); run once by the postgres image.
CREATE DATABASE rx_prescribing OWNER rx;
CREATE DATABASE rx_dispensing OWNER rx;
CREATE DATABASE rx_settlement OWNER rx;
CREATE DATABASE rx_audit OWNER rx;
