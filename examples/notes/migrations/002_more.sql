INSERT INTO notes VALUES ('ship the slim image');
INSERT INTO notes VALUES ('read the diff');
