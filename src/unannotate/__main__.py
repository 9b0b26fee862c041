from unannotate.cli import main

main()
