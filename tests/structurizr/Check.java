// Parses a Structurizr DSL file with the real parser and prints what it found.
// Run: java -cp 'lib/*' Check.java workspace.dsl  (single-file source launch, JDK 11+)
import com.structurizr.Workspace;
import com.structurizr.dsl.StructurizrDslParser;
import java.io.File;

public class Check {
    public static void main(String[] args) throws Exception {
        StructurizrDslParser parser = new StructurizrDslParser();
        parser.parse(new File(args[0]));
        Workspace w = parser.getWorkspace();
        System.out.println("softwareSystems=" + w.getModel().getSoftwareSystems().size());
        long containers = w.getModel().getSoftwareSystems().stream()
            .mapToLong(s -> s.getContainers().size()).sum();
        System.out.println("containers=" + containers);
        System.out.println("relationships=" + w.getModel().getRelationships().size());
        System.out.println("views=" + w.getViews().getViews().size());
    }
}
