\set u random(1, 200)
\set c random(0, 39)
\set pick random(0, 1000000)
SELECT soak.change(:u, :c, :pick);
