"""`micro export arduino`: the compiled model as an Arduino library, zipped for "Add .ZIP Library" and
`arduino-cli lib install --zip-path`; the same library is the model of `micro build --framework arduino`.

Layout (Arduino library specification 1.5, rev. 2.2: recursive layout, metadata in library.properties)::

    <Name>/library.properties        name, version, author, maintainer, sentence, paragraph, category, url,
                                     architectures, includes
    <Name>/library.json              PlatformIO's manifest, generated from the same data
    <Name>/keywords.txt, README.md
    <Name>/src/<Name>.h              the one public header (src/ root headers are a library's interface)
    <Name>/src/micro/                the model (<model>.h/.c, <model>_weights.c), its kernels (mn_*.c/h), and the
                                     serial harness (mn_protocol, mn_serve, mn_arduino_harness: micro's framed
                                     protocol on any Stream)
    <Name>/examples/Classify/        Classify.ino + sample_input.h: quantize a sample, invoke, print the top class
    <Name>/examples/SerialVerify/    SerialVerify.ino: serves the protocol for `micro verify --port`

The ZIP holds that one folder (Arduino IDE and arduino-cli refuse a ZIP with several top-level entries).

Modules::

    micro.deploy.arduino.library_info   LibraryInfo, library_info(): library.properties and library.json
    micro.deploy.arduino.library        arduino_library() -> ArduinoLibrary: every file of the library
    micro.deploy.arduino.check          check_library(root), check_zip(path): problems against the spec
    micro.deploy.arduino.export         write_library, write_zip, export_arduino(): the command
"""
