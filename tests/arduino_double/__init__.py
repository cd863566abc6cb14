"""Host test double of the Arduino API (Arduino.h, Arduino.cpp) and helpers to build and run sketches with it."""
